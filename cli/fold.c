// SPDX-License-Identifier: Apache-2.0
/* scorch fold: placeholder until its module lands; replaced by the module's owner. */
#include "cli/cli.h"

int cmd_fold(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("'fold' is not built yet");
	return 1;
}
