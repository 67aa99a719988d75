include:
  - .one
  - lib.two
lib_0:
  test.succeed_without_changes:
    - comment: plain
lib_1:
  test.succeed_with_changes:
    - onfail:
      - lib_2
lib_2:
  cmd.run:
    - name: echo lib_2
    - unless: 'true'
    - use:
      - main_0
