include:
  - .one
  - lib.two
lib_0:
  cmd.run:
    - name: echo lib_0
    - onlyif: 'false'
    - require_in:
      - lib_two_0
lib_1:
  test.succeed_without_changes:
    - onchanges:
      - lib_two_0
    - require:
      - lib_0
lib_2:
  test.succeed_with_changes:
    - onfail:
      - main_1
