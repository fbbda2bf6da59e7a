from svcaudit.cli import main

main()
