devother_state:
  test.nop: []
