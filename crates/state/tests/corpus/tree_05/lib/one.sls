lib_one_0:
  test.nop:
    - watch_in:
      - lib_two_0
