include:
  - .one
  - lib.two
lib_0:
  test.nop:
    - prereq:
      - lib_two_0
