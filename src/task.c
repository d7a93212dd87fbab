/*
 * task: see include/task.h.
 */
#include "task.h"

void task_start(struct task *t, void *(*fn)(void *), void *arg)
{
	t->threaded = pthread_create(&t->thread, NULL, fn, arg) == 0;
	if (!t->threaded)
		(void)fn(arg);
}

void task_join(struct task *t)
{
	if (t->threaded)
		pthread_join(t->thread, NULL);
	t->threaded = false;
}
