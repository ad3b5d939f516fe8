"""``python -m terraform_provider_openai.localserver`` = ``terraform-provider-openai serve``."""

import sys

from terraform_provider_openai.localserver.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
