lib_two_0:
  test.fail_without_changes:
    - use:
      - lib_2
lib_two_1:
  test.nop:
    - names:
      - lib_two_1_x
      - lib_two_1_y:
        - comment: y
    - listen:
      - lib_two_2
    - use:
      - lib_one_1
lib_two_2:
  test.nop:
    - watch_in:
      - lib_one_1
