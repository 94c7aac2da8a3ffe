/*
 * bgthread.h - naming the node's background threads.
 *
 * The snapshot writer and the store's checkpointer run beside the
 * sequencer and the HTTP threads; named, a profile (perf, top -H) tells
 * them apart. They keep the default priority: both take turns on locks a
 * block's commit waits for (the store's write turn, SQLite's locks), and a
 * thread at nice 19 or SCHED_IDLE holding one on a busy machine stalls
 * the commit behind it (measured: DECISIONS.md, session 24).
 */
#ifndef MINTLINE_BGTHREAD_H
#define MINTLINE_BGTHREAD_H

/* bgthread_name: the calling thread's name, at most 15 characters. */
void bgthread_name(const char *name);

#endif
