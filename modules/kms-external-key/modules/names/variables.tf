variable "key" {
  description = "name; alias_name (alias/<name>); generation_alias_names (generation => alias/<name>-g<N>, empty in place); key_ids (generation => key ID in this Region); active_generation; tags of the resource group."
  type = object({
    name                   = string
    alias_name             = string
    generation_alias_names = map(string)
    key_ids                = map(string)
    active_generation      = string
    tags                   = map(string)
  })
}
