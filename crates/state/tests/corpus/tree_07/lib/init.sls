include:
  - .one
  - lib.two
lib_0:
  test.succeed_with_changes:
    - onfail:
      - lib_two_2
lib_1:
  test.succeed_without_changes:
    - require_in:
      - main_0
