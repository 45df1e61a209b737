import { dayBoundaries, periodContaining, type QuotaWindow } from '@keymeter/domain';

interface CachedWindows {
  day: QuotaWindow;
  month: QuotaWindow;
}

/**
 * The current day and month of each timezone, computed once per window instead of per call (the calendar
 * math is the expensive part of a quota check).
 */
export class QuotaWindows {
  private readonly byZone = new Map<string, CachedWindows>();

  day(timeZone: string, nowMs: number): QuotaWindow {
    return this.current(timeZone, nowMs).day;
  }

  month(timeZone: string, nowMs: number): QuotaWindow {
    return this.current(timeZone, nowMs).month;
  }

  private current(timeZone: string, nowMs: number): CachedWindows {
    let cached = this.byZone.get(timeZone);
    if (cached === undefined || !contains(cached.day, nowMs) || !contains(cached.month, nowMs)) {
      const now = new Date(nowMs);
      const day = dayBoundaries(now, timeZone);
      const month = periodContaining(now, timeZone);
      cached = {
        day: { startMs: day.startMs, endMs: day.endMs },
        month: { startMs: month.startMs, endMs: month.endMs },
      };
      this.byZone.set(timeZone, cached);
    }
    return cached;
  }
}

function contains(window: QuotaWindow, nowMs: number): boolean {
  return window.startMs <= nowMs && nowMs < window.endMs;
}
