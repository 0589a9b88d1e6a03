"""CPU against GPU: the timing protocol, the hardware limits and the benchmark grid."""
