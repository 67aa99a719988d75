devlib_state:
  test.nop: []
