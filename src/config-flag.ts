import { oclifFlag } from './flags/oclif.js';
import { CONFIG_FLAG } from './flags/spec.js';

export const configFlag = oclifFlag(CONFIG_FLAG);
