// SPDX-License-Identifier: MIT
// Playback of a run's event stream: play / pause / step (to the end of the
// next translation) / end / restart, at a chosen speed in events per second.
// The cursor is the number of events shown.
import { $, option, setText, typing } from './dom';

export const SPEEDS = [10, 50, 200, 1000, 5000] as const;
export const DEFAULT_SPEED = 1000;

export class Player {
  cursor = 0;
  total = 0;
  playing = false;
  speed: number = DEFAULT_SPEED;
  private acc = 0;
  private last = 0;
  private raf = 0;
  private readonly playBtn = $<HTMLButtonElement>('pb-play');
  private readonly speedSel = $<HTMLSelectElement>('pb-speed');

  constructor(
    private readonly onChange: (cursor: number) => void,
    private readonly nextStop: (cursor: number) => number,
    private readonly onSpeed: (speed: number) => void,
  ) {
    this.speedSel.replaceChildren(...SPEEDS.map((v) => option(String(v), `${v} events/s`)));
    this.speedSel.value = String(this.speed);
    this.speedSel.addEventListener('change', () => {
      this.speed = Number(this.speedSel.value) || DEFAULT_SPEED;
      this.onSpeed(this.speed);
    });
    this.playBtn.addEventListener('click', () => this.toggle());
    $('pb-step').addEventListener('click', () => this.step());
    $('pb-end').addEventListener('click', () => this.end());
    $('pb-restart').addEventListener('click', () => this.restart());
    document.addEventListener('keydown', (e) => {
      if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      const k = e.key.toLowerCase();
      if (k === 'p') this.toggle();
      else if (k === 's') this.step();
      else if (k === 'e') this.end();
      else if (k === 'r') this.restart();
      else return;
      e.preventDefault();
    });
  }

  setSpeed(v: number): void {
    if (!(SPEEDS as readonly number[]).includes(v)) return;
    this.speed = v;
    this.speedSel.value = String(v);
  }

  /** A new run: start at `cursor`, playing or not. */
  load(total: number, cursor: number, play: boolean): void {
    this.total = total;
    this.pause();
    this.set(Math.max(0, Math.min(total, cursor)));
    if (play && this.cursor < total) this.play();
    this.ui();
  }

  private set(c: number): void {
    this.cursor = c;
    this.onChange(c);
    setText($('progress'), `${c} / ${this.total} events`);
  }

  toggle(): void {
    if (this.playing) this.pause(); else this.play();
  }

  play(): void {
    if (this.cursor >= this.total) this.set(0);
    this.playing = true;
    this.acc = 0;
    this.last = performance.now();
    this.raf = requestAnimationFrame((t) => this.tick(t));
    this.ui();
  }

  pause(): void {
    this.playing = false;
    if (this.raf) cancelAnimationFrame(this.raf);
    this.raf = 0;
    this.ui();
  }

  step(): void {
    this.pause();
    this.set(this.nextStop(this.cursor));
  }

  end(): void {
    this.pause();
    this.set(this.total);
  }

  restart(): void {
    this.pause();
    this.set(0);
    this.play();
  }

  private tick(t: number): void {
    if (!this.playing) return;
    this.acc += ((t - this.last) / 1000) * this.speed;
    this.last = t;
    const n = Math.floor(this.acc);
    if (n > 0) {
      this.acc -= n;
      this.set(Math.min(this.total, this.cursor + n));
    }
    if (this.cursor >= this.total) {
      this.pause();
      return;
    }
    this.raf = requestAnimationFrame((x) => this.tick(x));
  }

  private ui(): void {
    setText(this.playBtn, this.playing ? 'Pause' : '▶ Play');
    this.playBtn.setAttribute('aria-pressed', String(this.playing));
    document.body.dataset.playing = String(this.playing);
  }
}
