import type { Rating } from '../domain/model.js';

type Scale = Rating['scale'];

const position = (score: number, scale: Scale): number =>
  scale.max > scale.min ? (score - scale.min) / (scale.max - scale.min) : score >= scale.max ? 1 : 0;

/**
 * CSAT "satisfied": 4 or 5 on a 1-5 scale, "good" (1) on a good/bad (0-1) scale; on any other scale
 * the top quarter of the range (position >= 0.75), which gives the same answer on both of those.
 */
export function csatSatisfied(score: number, scale: Scale): boolean {
  return position(score, scale) >= 0.75 - 1e-9;
}

/** NPS score on 0-10 (rescaled when the helpdesk uses another scale). */
export function npsScore(score: number, scale: Scale): number {
  return scale.min === 0 && scale.max === 10 ? score : position(score, scale) * 10;
}

export type NpsClass = 'promoter' | 'passive' | 'detractor';

/** 9-10 promoter, 7-8 passive, 0-6 detractor. */
export function npsClass(score0to10: number): NpsClass {
  if (score0to10 >= 9) return 'promoter';
  if (score0to10 > 6) return 'passive';
  return 'detractor';
}

/** CES score on 1-7, 7 = easiest (rescaled when the helpdesk uses another scale). */
export function cesScore(score: number, scale: Scale): number {
  return scale.min === 1 && scale.max === 7 ? score : 1 + position(score, scale) * 6;
}

/** "Easy" effort: 5, 6 or 7 on the 1-7 scale. */
export const cesEasy = (score1to7: number): boolean => score1to7 >= 5 - 1e-9;
