#include "bgthread.h"

#include <pthread.h>

void bgthread_name(const char *name) { (void)pthread_setname_np(pthread_self(), name); }
