// How generic signals are named in the inbox: their own source, prefixed so that a signal source called
// "langsmith" or "github" can never collide with those webhooks' delivery ids.
export const SIGNAL_EVENT_TYPE = 'signal';
const PREFIX = 'signal:';

export const signalInboxSource = (source: string) => `${PREFIX}${source}`;
export const isSignalInboxSource = (source: string) => source.startsWith(PREFIX);
