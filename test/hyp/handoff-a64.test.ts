import { describeBootHandoff } from './handoff-helpers';

describeBootHandoff('a64');
