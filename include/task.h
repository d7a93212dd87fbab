/*
 * task: a piece of work run in a thread beside the caller's, or here and
 * now when no thread can be made (a limit, a tight container): what the
 * caller gets is the same either way, only not as early.  The work must
 * touch nothing the caller changes until task_join().
 */
#ifndef FTPCFG_TASK_H
#define FTPCFG_TASK_H

#include <pthread.h>
#include <stdbool.h>

struct task {
	pthread_t thread;
	bool threaded;		/* else fn already ran, in task_start() */
};

void task_start(struct task *t, void *(*fn)(void *), void *arg);
/* Wait for it (nothing when it ran in task_start()). */
void task_join(struct task *t);

#endif
