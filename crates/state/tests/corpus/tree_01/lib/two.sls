lib_two_0:
  test.fail_without_changes:
    - require_in:
      - lib_one_2
lib_two_1:
  test.fail_without_changes:
    - onfail:
      - lib_one_0
    - onchanges_in:
      - main_0
