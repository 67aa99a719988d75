include:
  - lib
main_0:
  test.succeed_without_changes:
    - watch:
      - lib_one_0
    - onchanges_in:
      - lib_one_1
main_1:
  test.succeed_without_changes:
    - onfail:
      - lib_one_0
