// SPDX-License-Identifier: Apache-2.0
/* scorch list: placeholder until its module lands; replaced by the module's owner. */
#include "cli/cli.h"

int cmd_list(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("'list' is not built yet");
	return 1;
}
