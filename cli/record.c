// SPDX-License-Identifier: Apache-2.0
/* scorch record: placeholder until its module lands; replaced by the module's owner. */
#include "cli/cli.h"

int cmd_record(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("'record' is not built yet");
	return 1;
}
