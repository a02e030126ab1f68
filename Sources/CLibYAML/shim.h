// libyaml's event parser (Debian's libyaml-dev), for the YAML front end in ClusterState.
#include <yaml.h>
