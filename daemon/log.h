/* Logging to stderr or syslog. Messages name objects by id, never by secret. */
#ifndef ECOD_LOG_H
#define ECOD_LOG_H

#define LOGF(a, b)	__attribute__((format(printf, a, b)))

void	log_init(int, int);
void	log_set_syslog(int);
void	log_warn(const char *, ...) LOGF(1, 2);
void	log_warnx(const char *, ...) LOGF(1, 2);
void	log_info(const char *, ...) LOGF(1, 2);
void	log_debug(const char *, ...) LOGF(1, 2);
void	fatal(const char *, ...) LOGF(1, 2) __attribute__((noreturn));
void	fatalx(const char *, ...) LOGF(1, 2) __attribute__((noreturn));

#endif
