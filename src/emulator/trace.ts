// The event stream and the outcome flags of one run. Recording can be switched
// off; producers test `trace.on` before building an event object so a run
// without recording allocates nothing per operation.

import type { EmuEvent, Outcome } from './types';
import { OUTCOMES } from './types';

export class Trace {
  readonly events: EmuEvent[] = [];
  private readonly flags = new Set<Outcome>();
  /** Chain step / program phase stamped on events as `step`. */
  step: number | undefined = undefined;

  constructor(public on: boolean) {}

  emit(e: EmuEvent): void {
    if (!this.on) return;
    if (this.step !== undefined && e.step === undefined) e.step = this.step;
    this.events.push(e);
  }

  flag(o: Outcome): void { this.flags.add(o); }
  has(o: Outcome): boolean { return this.flags.has(o); }
  unflag(o: Outcome): void { this.flags.delete(o); }

  outcome(): Outcome[] {
    return OUTCOMES.filter((o) => this.flags.has(o));
  }
}
