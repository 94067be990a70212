import { Flags } from '@oclif/core';

export const configFlag = Flags.string({ char: 'c', description: 'herdctl.yaml to use (default: $HERDCTL_CONFIG, ./herdctl.yaml walking up, then <home>/herdctl.yaml)' });
