sneaky_state:
  test.nop: []
