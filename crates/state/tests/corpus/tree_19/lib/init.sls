include:
  - .one
  - lib.two
lib_0:
  test.fail_without_changes:
    - comment: plain
lib_1:
  test.nop:
    - comment: plain
lib_2:
  test.nop:
    - onfail:
      - lib_one_0
    - listen:
      - lib_one_0
