lib_two_0:
  test.fail_without_changes:
    - require_in:
      - lib_one_0
    - prereq:
      - lib_one_0
lib_two_1:
  test.fail_without_changes:
    - onfail:
      - lib_two_0
