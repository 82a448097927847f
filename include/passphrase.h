/* Reading passphrases and codes: from a file, the terminal (echo off), a
 * stream or a descriptor. */
#ifndef ECO_PASSPHRASE_H
#define ECO_PASSPHRASE_H

#include <stdio.h>

#define PASSPHRASE_MAX	1024

char	*passphrase_from_file(const char *, char **);
char	*passphrase_from_tty(const char *, int, char **);
char	*passphrase_from_stream(FILE *, char **);
char	*secret_from_file(const char *, char **);
char	*secret_from_fd(int);
char	*secret_from_tty(const char *, int, int *);
void	 passphrase_free(char *);

#endif
