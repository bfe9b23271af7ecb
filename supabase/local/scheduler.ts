/**
 * Calls edge functions on a timer, as a hosted project's pg_cron + pg_net schedule would, with the
 * service-role key.
 */
import type { StackContext } from './service.ts';

export interface Scheduler {
  /** Runs every scheduled call once now (tests, and the first tick). */
  runAll(): Promise<void>;
  stop(): void;
}

export function startScheduler(context: StackContext): Scheduler {
  const timers: NodeJS.Timeout[] = [];
  const run = async (name: string, body: unknown) => {
    try {
      const response = await fetch(`${context.url}/functions/v1/${name}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${context.keys.serviceRoleKey}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) context.log('scheduler', `${name} answered ${response.status}: ${text}`);
    } catch (error) {
      context.log('scheduler', `${name} failed: ${(error as Error).message}`);
    }
  };
  for (const call of context.config.schedule) {
    const timer = setInterval(() => void run(call.function, call.body), call.everySeconds * 1000);
    timer.unref();
    timers.push(timer);
  }
  return {
    async runAll() {
      await Promise.all(context.config.schedule.map((call) => run(call.function, call.body)));
    },
    stop() {
      timers.forEach(clearInterval);
    },
  };
}
