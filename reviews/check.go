package reviews

import "time"

// Check validates a submission as Submit would, writing nothing: a ValidationError naming
// every invalid field (the complaints area checks a whole CSV of paper reviews before it
// submits any of them).
func (s Submission) Check(now time.Time) error {
	_, err := s.validate(now)
	return err
}
