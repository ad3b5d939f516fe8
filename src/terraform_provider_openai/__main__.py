import sys

from terraform_provider_openai.main import main

sys.exit(main())
