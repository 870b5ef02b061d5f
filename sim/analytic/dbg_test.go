package analytic
import ("testing";"fmt";"time")
func TestDbg(t *testing.T){
 for _, rho := range []float64{0.5,0.8,0.95} {
  t0:=time.Now()
  q:=geoD1WaitQuantile(rho,0.95,1000)
  q2:=geoD1WaitQuantile(rho,0.95,2000)
  t1:=time.Now()
  g,err:=MD1ResponseQuantile(rho,1,0.95)
  fmt.Println(rho,q,q2,2*q2-q,t1.Sub(t0),g-1,err,time.Since(t1))
 }
}
