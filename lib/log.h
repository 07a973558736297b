/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnostics that libraries may emit outside the errbuf path: libbpf's own log, shown with -v. */
#ifndef SCORCH_LIB_LOG_H
#define SCORCH_LIB_LOG_H

/*
 * Route libbpf's messages through one callback: warnings always go to stderr
 * prefixed "libbpf: ", info and debug only when `verbosity` is >= 1 and >= 2.
 * libbpf's print hook has no context argument, so this is process-wide.
 */
void libbpf_log_setup(int verbosity);

#endif
