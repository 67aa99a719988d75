lib_two_0:
  test.nop:
    - use:
      - main_0
lib_two_1:
  test.nop:
    - require_in:
      - lib_0
    - prereq:
      - lib_1
