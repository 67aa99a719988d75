lib_one_0:
  test.nop:
    - watch_in:
      - main_1
