include:
  - lib
exclude:
  - id: lib_two_0
extend:
  lib_one_0:
    test:
      - comment: extended
main_0:
  cmd.run:
    - name: echo main_0
    - unless: 'true'
    - use:
      - lib_0
