a:
  test.nop:
    - name: x
  b: [
