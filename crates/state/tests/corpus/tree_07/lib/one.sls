lib_one_0:
  test.nop:
    - comment: plain
lib_one_1:
  test.nop:
    - names:
      - lib_one_1_x
      - lib_one_1_y:
        - comment: y
    - require_in:
      - lib_one_2
lib_one_2:
  test.fail_without_changes:
    - listen:
      - lib_one_1
    - onfail:
      - lib_one_0
