/** Side-effect entry: importing this module registers every element. */
import { defineAll } from './define-all.ts';

defineAll();
