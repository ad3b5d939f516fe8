# Azure OpenAI: the provider switches to the Azure client when `azure_endpoint` is set. `model`
# names the deployment (or set the provider's `azure_deployment` for all of them).

terraform {
  required_providers {
    openai = {
      source  = "registry.local/openai/openai"
      version = ">= 0.1.0"
    }
  }
}

variable "azure_endpoint" {
  description = "The Azure OpenAI resource's endpoint, e.g. https://my-resource.openai.azure.com"
  type        = string
}

variable "api_version" {
  description = "Azure OpenAI API version (stored completions need 2024-10-01-preview or later)."
  type        = string
  default     = "2024-10-21"
}

variable "deployment" {
  description = "Name of the model deployment in the Azure OpenAI resource."
  type        = string
  default     = "gpt-4o"
}

provider "openai" {
  azure_endpoint = var.azure_endpoint
  api_version    = var.api_version
  # key: AZURE_OPENAI_API_KEY (or OPENAI_API_KEY); or a Microsoft Entra ID token in
  # AZURE_OPENAI_AD_TOKEN / azure_ad_token instead of a key
}

module "chat" {
  source = "../../modules/chat_completion"

  model = var.deployment
  messages = [
    { role = "system", content = "You are a helpful assistant." },
    { role = "user", content = "Who won the world series in 2020?" },
    { role = "assistant", content = "The Los Angeles Dodgers won the World Series in 2020." },
    { role = "user", content = "Where was it played?" },
  ]
}

output "content" {
  description = "The deployment's answer."
  value       = module.chat.content
}

output "model" {
  description = "The model behind the deployment, as Azure reports it."
  value       = module.chat.model
}
