import type { Command } from 'commander';
import type { ContextFactory } from '../src/cli.js';
import { completionScript, SHELLS, type Shell } from '../src/completion/scripts.js';
import { parseEnum } from '../src/domain/parse.js';
import { examples } from './_shared/output-flags.js';

export function register(program: Command, context: ContextFactory): void {
  const completion = program
    .command('completion')
    .argument('<shell>', SHELLS.join(', '))
    .description('Print a shell completion script: commands, flags and values (profiles, templates, statuses, agents and groups)')
    .action(async (shellArg: string, _o: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const shell = parseEnum(shellArg, SHELLS, 'shell') as Shell;
      const { loadCommandTree } = await import('../src/cli.js');
      ctx.output.text(completionScript(shell, await loadCommandTree()));
    });
  examples(completion, [
    'deskctl completion bash > ~/.local/share/bash-completion/completions/deskctl',
    'source <(deskctl completion bash)              # or this line in ~/.bashrc',
    'source <(deskctl completion zsh)               # in ~/.zshrc, after compinit',
    'deskctl completion fish > ~/.config/fish/completions/deskctl.fish',
  ]);
}
