# Keys declared beside this estate by terraform/estate-multi-region (multi-Region keys and their replicas, AWS
# provider >= 6), which the bound stores may use like this estate's own keys. Not linked there: only this
# estate binds stores.
variable "multi_region_keys" {
  description = "Key => { active_generation, generation_arns, binding_tags } of multi-Region keys declared outside this module."
  type = map(object({
    active_generation = string
    generation_arns   = map(string)
    binding_tags      = map(map(string))
  }))
  default = {}

}
