lib_two_0:
  test.succeed_without_changes:
    - onchanges:
      - lib_1
lib_two_1:
  test.fail_without_changes:
    - watch_in:
      - lib_2
    - onchanges:
      - main_0
