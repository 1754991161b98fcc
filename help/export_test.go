package help

import "encoding/json"

var JSONMarshal = json.Marshal
