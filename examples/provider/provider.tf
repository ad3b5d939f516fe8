# Every setting is optional: with none, the provider reads OPENAI_API_KEY (and OPENAI_BASE_URL,
# OPENAI_ORG_ID, OPENAI_PROJECT_ID) from the environment and talks to https://api.openai.com/v1.
provider "openai" {
  # api_key       = var.openai_api_key          # default: OPENAI_API_KEY
  # base_url      = "http://127.0.0.1:8080/v1"   # the local server or any OpenAI-compatible server
  # organization  = "org-..."
  # project       = "proj_..."
  default_headers = { "x-team" = "platform" }
  timeout         = 60
  max_retries     = 2
}

# Azure OpenAI instead:
# provider "openai" {
#   azure_endpoint = "https://my-resource.openai.azure.com"
#   api_version    = "2024-10-21"
#   # key from AZURE_OPENAI_API_KEY, or azure_ad_token / AZURE_OPENAI_AD_TOKEN
# }
