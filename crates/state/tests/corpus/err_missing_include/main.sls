include:
  - not.there
here:
  test.nop: []
