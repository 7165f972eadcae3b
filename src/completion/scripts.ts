import type { Command, Option } from 'commander';
import { ARGUMENT_VALUES, OPTION_VALUES, type ValueSource } from './values.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface OptionModel {
  flags: string[];
  long?: string;
  takesValue: boolean;
  hidden: boolean;
  description: string;
  values?: ValueSource;
}

/** One command of the tree as completion sees it; `path` is canonical names joined by spaces ('' = deskctl). */
interface CommandModel {
  path: string;
  name: string;
  aliases: string[];
  description: string;
  children: CommandModel[];
  options: OptionModel[];
  args?: ValueSource;
}

function optionModel(o: Option): OptionModel {
  const choices = (o as Option & { argChoices?: string[] }).argChoices;
  const long = o.long ?? undefined;
  return {
    flags: [o.long, o.short].filter((f): f is string => Boolean(f)),
    long,
    takesValue: o.required || o.optional,
    hidden: o.hidden,
    description: o.description,
    values: choices ? { kind: 'words', words: choices } : long ? OPTION_VALUES[long] : undefined,
  };
}

function model(cmd: Command, path: string): CommandModel {
  const children = cmd.commands.filter((c) => !(c as Command & { _hidden?: boolean })._hidden).map((c) => model(c, path ? `${path} ${c.name()}` : c.name()));
  const node: CommandModel = {
    path,
    name: cmd.name(),
    aliases: cmd.aliases(),
    description: cmd.description().split('\n')[0] ?? '',
    children,
    options: [...cmd.options.map(optionModel), ...(cmd.parent ? [] : [{ flags: ['--help', '-h'], long: '--help', takesValue: false, hidden: false, description: 'show help' }])],
    args: cmd.registeredArguments.length ? ARGUMENT_VALUES[path] : undefined,
  };
  if (!cmd.parent) {
    // `deskctl help COMMAND` and `deskctl help environment`
    children.push({ path: 'help', name: 'help', aliases: [], description: 'show help for a command, or: help environment', children: [], options: [], args: { kind: 'words', words: [...children.map((c) => c.name), 'environment'] } });
  }
  return node;
}

function flatten(node: CommandModel): CommandModel[] {
  return [node, ...node.children.flatMap(flatten)];
}

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A value source as one shell word the drivers understand: w:WORDS, d:NAME[:ALSO], f. */
function sourceWord(v: ValueSource | undefined): string {
  if (!v) return '';
  if (v.kind === 'words') return `w:${v.words.join(' ')}`;
  if (v.kind === 'dynamic') return `d:${v.name}${v.also?.length ? `:${v.also.join(' ')}` : ''}`;
  return 'f';
}

/** Case arms grouping the patterns that share a value: `'a'|'b') REPLY='x' ;;`. */
function caseArms(pairs: [pattern: string, value: string][]): string {
  const byValue = new Map<string, string[]>();
  for (const [pattern, value] of pairs) byValue.set(value, [...(byValue.get(value) ?? []), sq(pattern)]);
  return [...byValue].map(([value, patterns]) => `    ${patterns.join('|')}) REPLY=${sq(value)} ;;`).join('\n');
}

/** Functions shared by the bash and zsh scripts (plain POSIX case statements over the tree). */
function sharedFunctions(root: CommandModel): string {
  const all = flatten(root);
  const globals = root.options;
  const optionsOf = (c: CommandModel) => (c === root ? globals : [...c.options, ...globals]);
  const subs: [string, string][] = [];
  for (const c of all) for (const child of c.children) for (const n of [child.name, ...child.aliases]) subs.push([`${c.path}|${n}`, child.path]);
  const values: [string, string][] = [];
  for (const c of all) for (const o of optionsOf(c)) if (o.values) for (const f of o.flags) values.push([`${c.path}|${f}`, sourceWord(o.values)]);
  return `# the command path after word $2 at path $1 (aliases resolved), or ''
__deskctl_sub() {
  case "$1|$2" in
${caseArms(subs)}
    *) REPLY='' ;;
  esac
}

# subcommand names offered at a path
__deskctl_subcommands() {
  case "$1" in
${caseArms(all.filter((c) => c.children.length).map((c) => [c.path, c.children.map((ch) => ch.name).join(' ')]))}
    *) REPLY='' ;;
  esac
}

# flags offered at a path
__deskctl_options() {
  case "$1" in
${caseArms(all.map((c) => [c.path, optionsOf(c).filter((o) => !o.hidden).flatMap((o) => o.flags).join(' ')]))}
    *) REPLY='' ;;
  esac
}

# flags that take a value at a path
__deskctl_valueflags() {
  case "$1" in
${caseArms(all.map((c) => [c.path, optionsOf(c).filter((o) => o.takesValue).flatMap((o) => o.flags).join(' ')]))}
    *) REPLY='' ;;
  esac
}

# where the value of flag $2 at path $1 comes from: w:WORDS, d:NAME[:ALSO] (deskctl __complete NAME) or f (files)
__deskctl_values() {
  case "$1|$2" in
${caseArms(values)}
    *) REPLY='' ;;
  esac
}

# where the values of the positional arguments at a path come from
__deskctl_argvalues() {
  case "$1" in
${caseArms(all.filter((c) => c.args).map((c) => [c.path, sourceWord(c.args)]))}
    *) REPLY='' ;;
  esac
}

# walks the words before the cursor: sets __deskctl_path, __deskctl_pending (a flag waiting for its value) and __deskctl_profile
__deskctl_walk() {
  local w REPLY
  __deskctl_path='' __deskctl_pending='' __deskctl_profile=''
  for w in "$@"; do
    if [[ -n $__deskctl_pending ]]; then
      [[ $__deskctl_pending == --profile || $__deskctl_pending == -p ]] && __deskctl_profile=$w
      __deskctl_pending=''
      continue
    fi
    if [[ $w == -* ]]; then
      [[ $w == *=* ]] && continue
      __deskctl_valueflags "$__deskctl_path"
      [[ " $REPLY " == *" $w "* ]] && __deskctl_pending=$w
      continue
    fi
    __deskctl_sub "$__deskctl_path" "$w"
    [[ -n $REPLY ]] && __deskctl_path=$REPLY
  done
}

# the value source for the word being completed (after __deskctl_walk), in REPLY
__deskctl_source() {
  if [[ $1 == -* ]]; then
    # a flag, even after one whose value is optional (--json [fields])
    __deskctl_options "$__deskctl_path"
    REPLY="w:$REPLY"
  elif [[ -n $__deskctl_pending ]]; then
    __deskctl_values "$__deskctl_path" "$__deskctl_pending"
  else
    __deskctl_subcommands "$__deskctl_path"
    if [[ -n $REPLY ]]; then REPLY="w:$REPLY"; else __deskctl_argvalues "$__deskctl_path"; fi
  fi
}
`;
}

function bashScript(root: CommandModel): string {
  return `# deskctl completion for bash. Load it with:  source <(deskctl completion bash)
# or install it:  deskctl completion bash > ~/.local/share/bash-completion/completions/deskctl
${sharedFunctions(root)}
_deskctl() {
  local cur=\${COMP_WORDS[COMP_CWORD]} REPLY c q kind name also
  local __deskctl_path __deskctl_pending __deskctl_profile
  __deskctl_walk "\${COMP_WORDS[@]:1:COMP_CWORD-1}"
  __deskctl_source "$cur"
  COMPREPLY=()
  case $REPLY in
    w:*)
      for c in \${REPLY#w:}; do [[ $c == "$cur"* ]] && COMPREPLY+=("$c"); done
      ;;
    d:*)
      kind=\${REPLY#d:}; name=\${kind%%:*}; also=''
      [[ $kind == *:* ]] && also=\${kind#*:}
      local -a found=()
      mapfile -t found < <("\${COMP_WORDS[0]}" __complete "$name" \${__deskctl_profile:+--profile "$__deskctl_profile"} 2>/dev/null)
      for c in $also; do found+=("$c"); done
      for c in "\${found[@]}"; do
        if [[ $c == "$cur"* ]]; then printf -v q '%q' "$c"; COMPREPLY+=("$q"); fi
      done
      ;;
    f)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      ;;
  esac
}
complete -F _deskctl deskctl
`;
}

function zshScript(root: CommandModel): string {
  return `#compdef deskctl
# deskctl completion for zsh. Load it with:  source <(deskctl completion zsh)   (after compinit)
# or install it as _deskctl in a directory of your $fpath.
${sharedFunctions(root)}
_deskctl() {
  local cur=\${words[CURRENT]} REPLY c kind name also
  local __deskctl_path __deskctl_pending __deskctl_profile
  __deskctl_walk "\${(@)words[2,CURRENT-1]}"
  __deskctl_source "$cur"
  case $REPLY in
    w:*)
      compadd -- \${=REPLY#w:}
      ;;
    d:*)
      kind=\${REPLY#d:}; name=\${kind%%:*}; also=''
      [[ $kind == *:* ]] && also=\${kind#*:}
      local -a found
      found=("\${(@f)$("\${words[1]}" __complete "$name" \${__deskctl_profile:+--profile} \${__deskctl_profile:+"$__deskctl_profile"} 2>/dev/null)}" \${=also})
      compadd -- "\${(@)found:#}"
      ;;
    f)
      _files
      ;;
  esac
}
if (( $+functions[compdef] )); then compdef _deskctl deskctl; fi
`;
}

function fishScript(root: CommandModel): string {
  const all = flatten(root);
  const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const lines: string[] = [];
  const subs = all.flatMap((c) => c.children.flatMap((ch) => [ch.name, ...ch.aliases].map((n) => `set -a __deskctl_sub_keys ${q(`${c.path}|${n}`)}; set -a __deskctl_sub_paths ${q(ch.path)}`)));
  const valueFlags = all.flatMap((c) => [...c.options, ...(c === root ? [] : root.options)].filter((o) => o.takesValue).flatMap((o) => o.flags.map((f) => q(`${c.path}|${f}`))));
  const sourceArgs = (v: ValueSource | undefined): string => {
    if (!v) return '';
    if (v.kind === 'words') return ` -a ${q(v.words.join(' '))}`;
    if (v.kind === 'dynamic') return ` -a '(__deskctl_dynamic ${v.name})${v.also?.length ? ` ${v.also.join(' ')}` : ''}'`;
    return ' -F';
  };
  for (const c of all) {
    const cond = `-n '__deskctl_at ${q(c.path).replace(/'/g, '"')}'`;
    for (const ch of c.children) lines.push(`complete -c deskctl -f ${cond} -a ${q(ch.name)} -d ${q(ch.description)}`);
    for (const o of c === root ? [] : c.options) {
      if (o.hidden) continue;
      const long = o.flags.find((f) => f.startsWith('--'))?.slice(2);
      const short = o.flags.find((f) => /^-[^-]$/.test(f))?.slice(1);
      const flagArgs = `${long ? ` -l ${long}` : ''}${short ? ` -s ${short}` : ''}`;
      const valueArgs = o.takesValue ? ` -r${o.values?.kind === 'files' ? ' -F' : ' -f'}${o.values?.kind === 'files' ? '' : sourceArgs(o.values)}` : ' -f';
      lines.push(`complete -c deskctl ${cond}${flagArgs}${valueArgs} -d ${q(o.description)}`);
    }
    if (c.args && !c.children.length) lines.push(`complete -c deskctl ${cond}${c.args.kind === 'files' ? ' -F' : ` -f${sourceArgs(c.args)}`}`);
  }
  // global flags everywhere below the top
  for (const o of root.options.filter((o) => !o.hidden)) {
    const long = o.flags.find((f) => f.startsWith('--'))?.slice(2);
    const short = o.flags.find((f) => /^-[^-]$/.test(f))?.slice(1);
    lines.push(`complete -c deskctl${long ? ` -l ${long}` : ''}${short ? ` -s ${short}` : ''}${o.takesValue ? ` -r -f${sourceArgs(o.values)}` : ''} -d ${q(o.description)}`);
  }
  return `# deskctl completion for fish. Load it with:  deskctl completion fish | source
# or install it:  deskctl completion fish > ~/.config/fish/completions/deskctl.fish

# the command path of the command line before the cursor (aliases resolved)
function __deskctl_path
    set -l path ''
    set -l pending 0
    set -l words (commandline -opc)
    for w in $words[2..-1]
        if test $pending = 1
            set pending 0
            continue
        end
        if string match -q -- '-*' $w
            if contains -- "$path|$w" $__deskctl_value_flags
                set pending 1
            end
            continue
        end
        set -l i (contains -i -- "$path|$w" $__deskctl_sub_keys)
        and set path $__deskctl_sub_paths[$i]
    end
    echo $path
end

function __deskctl_at
    set -l path (__deskctl_path)
    test "$path" = "$argv[1]"
end

# values asked at completion time, for the profile named on the command line if any
function __deskctl_dynamic
    set -l words (commandline -opc)
    set -l profile
    set -l i (contains -i -- --profile $words; or contains -i -- -p $words)
    and set profile --profile $words[(math $i + 1)]
    $words[1] __complete $argv[1] $profile 2>/dev/null
end

set -g __deskctl_sub_keys
set -g __deskctl_sub_paths
${subs.join('\n')}
set -g __deskctl_value_flags ${valueFlags.join(' ')}

complete -c deskctl -e
${lines.join('\n')}
`;
}

export function completionScript(shell: Shell, program: Command): string {
  const root = model(program, '');
  if (shell === 'bash') return bashScript(root);
  if (shell === 'zsh') return zshScript(root);
  return fishScript(root);
}
