# The include graph of the C follows its layers: no file includes a header
# of a layer above its own (tests/include_layers.sh lists the graph).
use strict;
use warnings;
use PostgreSQL::Test::Utils;
use Test::More;

command_like([ 'bash', 'tests/include_layers.sh' ],
	qr/^include layers: ok$/m,
	'no file of src/ includes a header of a layer above its own');

done_testing();
