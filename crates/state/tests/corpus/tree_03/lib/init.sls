include:
  - .one
  - lib.two
lib_0:
  test.succeed_with_changes:
    - onchanges:
      - lib_2
lib_1:
  test.succeed_with_changes:
    - listen:
      - lib_0
lib_2:
  test.nop:
    - listen:
      - main_0
