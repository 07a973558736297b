// SPDX-License-Identifier: Apache-2.0
/* scorch diff: placeholder until its module lands; replaced by the module's owner. */
#include "cli/cli.h"

int cmd_diff(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("'diff' is not built yet");
	return 1;
}
